#!/bin/sh
# Readiness of a Kafka broker, run by the kubelet in the broker's container
# (brokers.yaml): ready once this broker is in the in-sync replica set (ISR)
# of every partition it holds a replica of. A restarted broker has dropped
# out of those ISRs and copies what it missed before it is back in them;
# until then it is not ready, so a rolling update or a drain (budget: one
# broker at a time) waits for it before it takes the next broker, and
# partitions keep min.insync.replicas 2 for acks=all producers.
#
# Only this broker's own membership counts: partitions short of a replica
# because another broker is down do not make this one unready, or every
# broker would turn unready while one is down and block every drain. A
# partition being reassigned onto this broker ("Adding Replicas") is still
# copied from the old replica set, which stays in the ISR, so it does not
# count either.
#
# The ISRs are cluster metadata: no metric of the broker itself says
# whether it is in them (the replica-manager gauges count the partitions it
# leads). kafka-topics.sh reads them through the admin API, in a short-lived
# JVM with a small heap; the probe runs every 30 seconds. While the KRaft
# controllers have no quorum the admin call fails and brokers turn unready:
# no rollout or drain goes ahead, and clients bootstrap through the brokers'
# stable names (kafka-N.kafka-headless.events.svc.cluster.local), which stay published.
set -u
ordinal=${HOSTNAME##*-}
case "$ordinal" in
  ''|*[!0-9]*) echo "cannot read a pod ordinal from host name '$HOSTNAME'" >&2; exit 1 ;;
esac
id=$((100 + ordinal))
# A tool's JVM, not the broker's: a small heap, quick to start, the tools'
# logging (warnings, to stderr), and no GC log of its own, which would
# rotate the broker's.
unset KAFKA_GC_LOG_OPTS KAFKA_LOG4J_OPTS
export KAFKA_HEAP_OPTS=-Xmx128m
export KAFKA_JVM_PERFORMANCE_OPTS="-XX:+UseSerialGC -XX:TieredStopAtLevel=1"
if ! partitions=$("${KAFKA_BIN:-/opt/kafka/bin}/kafka-topics.sh" --bootstrap-server localhost:9092 \
    --command-config /etc/kafka/config/probe.properties --describe --under-replicated-partitions); then
  echo "broker $id: cannot list the under-replicated partitions" >&2
  exit 1
fi
# Each partition is one line of tab-separated "Key: value" fields.
printf '%s\n' "$partitions" | awk -F '\t' -v id="$id" '
  function has(list, x,   n, a, i) {
    n = split(list, a, ",")
    for (i = 1; i <= n; i++) if (a[i] == x) return 1
    return 0
  }
  {
    topic = ""; partition = ""; replicas = ""; isr = ""; adding = ""
    for (i = 1; i <= NF; i++) {
      if ($i ~ /^Topic: /) topic = substr($i, 8)
      else if ($i ~ /^Partition: /) partition = substr($i, 12)
      else if ($i ~ /^Replicas: /) replicas = substr($i, 11)
      else if ($i ~ /^Isr: /) isr = substr($i, 6)
      else if ($i ~ /^Adding Replicas: /) adding = substr($i, 18)
    }
    if (partition == "" || !has(replicas, id) || has(isr, id) || has(adding, id)) next
    behind++
    if (behind <= 5) printf "broker %s is not in the ISR of %s-%s (replicas %s, ISR %s)\n", id, topic, partition, replicas, isr
  }
  END {
    if (behind > 0) { printf "broker %s is behind on %d partitions\n", id, behind; exit 1 }
    printf "broker %s is in the ISR of every partition it holds\n", id
  }'
