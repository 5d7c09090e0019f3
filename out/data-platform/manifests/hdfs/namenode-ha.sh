#!/bin/sh
# Keeps one of the two NameNodes of hdfs active, without ZooKeeper. Each
# NameNode pod runs it three ways:
#
#   namenode-ha.sh watch      in the container "ha", for as long as the pod runs
#   namenode-ha.sh ready      as the namenode container's readiness probe
#   namenode-ha.sh handover   as the namenode container's preStop hook
#
# watch: every HA_INTERVAL seconds (30), while this NameNode answers
# standby, ask the other one. If the other answers active, nothing to do.
# If it answers standby too, no NameNode is active: namenode-0 makes itself
# active at once, namenode-1 only after seeing both standby for three
# rounds running (namenode-0's own watch failed to). If the other does not
# answer, wait: hdfs haadmin -transitionToActive refuses while it cannot
# reach the other NameNode (HAAdmin.isOtherTargetNodeActive), and this
# design never forces it, since it cannot prove the other is gone. That is
# the first install (namenode-1 copies the namespace from namenode-0 before
# it answers), and the loss of the active NameNode; then an operator fails
# over by hand (ARCHITECTURE.md), and the alert HDFSNoActiveNameNode fires.
#
# Each round also records whether this NameNode could take over: it is
# active, or it is a standby out of safe mode. A standby in safe mode (after
# a restart, until the DataNodes' block reports reach the threshold and
# dfs.namenode.safemode.extension has passed) is not ready to become
# active: NameNode.getServiceStatus says so, and hdfs haadmin -failover
# refuses it ("The NameNode is in safemode"). dfsadmin -safemode get is an
# unchecked operation, so a standby answers it.
#
# ready: succeeds while the last round, at most HA_READY_STALE seconds
# (120) ago, found this NameNode active or a standby out of safe mode. So a
# rolling update, which restarts namenode-1 first and waits for it to be
# Ready, does not stop namenode-0 before namenode-1 can take over, and the
# disruption budget does not count a standby in safe mode as available.
#
# handover: a NameNode that is active when its pod stops (a rolling update,
# a drain) hands the active role to the other one with hdfs haadmin
# -failover, trying again every HA_RETRY seconds (5) while the other does
# not answer standby or refuses (still in safe mode), for at most
# HA_HANDOVER_SECONDS (75): the pod's grace period (180 s) leaves room for
# one more -failover (its RPC timeout is 60 s) and a clean stop. The fencing
# method is a no-op (hdfs-site.xml): the JournalNodes refuse writes from an
# older epoch.
set -u
hdfs=${HDFS:-/opt/hadoop/bin/hdfs}
interval=${HA_INTERVAL:-30}
retry=${HA_RETRY:-5}
window=${HA_HANDOVER_SECONDS:-75}
stale=${HA_READY_STALE:-120}
marker=${HA_READY_FILE:-/tmp/namenode-ha.ready}
case "${HOSTNAME##*-}" in
  0) me=nn0 peer=nn1 ;;
  1) me=nn1 peer=nn0 ;;
  *) echo "cannot tell which NameNode runs in pod '$HOSTNAME'" >&2; exit 1 ;;
esac

# state prints a NameNode's HA state (active, standby, observer,
# initializing, stopping), or "unreachable".
state() {
  s=$("$hdfs" haadmin -getServiceState "$1" 2>/dev/null) || s=
  case "$s" in
    active|standby|observer|initializing|stopping) echo "$s" ;;
    *) echo unreachable ;;
  esac
}

# safemode prints on, off or unknown for this pod's NameNode (RPC listens
# on every address of the pod, so on the loopback address too).
safemode() {
  s=$("$hdfs" dfsadmin -fs hdfs://127.0.0.1:8020 -safemode get 2>/dev/null) || s=
  case "$s" in
    *"Safe mode is OFF"*) echo off ;;
    *"Safe mode is ON"*) echo on ;;
    *) echo unknown ;;
  esac
}

# record writes what the ready probe reads: the time, then ready or the
# reason this NameNode could not take over. Written aside and renamed, so
# the probe never reads half a line.
record() {
  echo "$(date +%s) $*" > "$marker.new" && mv -f "$marker.new" "$marker"
}

log() { echo "namenode-ha ($me): $*"; }

case "${1:-}" in
  ready)
    line=$(cat "$marker" 2>/dev/null) || line=
    at=${line%% *}
    case "$at" in
      ''|*[!0-9]*) echo "not ready: the container ha has not checked this NameNode yet"; exit 1 ;;
    esac
    age=$(($(date +%s) - at))
    if [ "$age" -gt "$stale" ]; then
      echo "not ready: the container ha last checked this NameNode ${age} s ago"
      exit 1
    fi
    verdict=${line#* }
    [ "$verdict" = ready ] && exit 0
    echo "not ready: $verdict"
    exit 1
    ;;
  handover)
    [ "$(state "$me")" = active ] || exit 0
    start=$(date +%s)
    while :; do
      other=$(state "$peer")
      if [ "$other" = standby ]; then
        log "stopping while active: failing over to $peer"
        "$hdfs" haadmin -failover "$me" "$peer" && exit 0
        log "failover to $peer failed"
      else
        log "stopping while active; $peer is $other"
      fi
      if [ $(($(date +%s) - start)) -ge "$window" ]; then
        log "gave up after ${window} s: no NameNode is active until one is back"
        exit 0
      fi
      sleep "$retry"
      # Someone else (an operator) may have failed over meanwhile.
      [ "$(state "$me")" = active ] || exit 0
    done
    ;;
  watch) ;;
  *) echo "usage: namenode-ha.sh watch|ready|handover" >&2; exit 2 ;;
esac

trap 'exit 0' TERM INT
both=0
while :; do
  mine=$(state "$me")
  other=
  case "$mine" in
    active) record ready ;;
    standby)
      other=$(state "$peer")
      case "$(safemode)" in
        off) record ready ;;
        on) record "standby in safe mode: not ready to become active" ;;
        *) record "standby, but its safe mode state is unknown" ;;
      esac
      ;;
    *) record "the NameNode is $mine" ;;
  esac
  case "$mine/$other" in
    standby/standby)
      both=$((both + 1))
      if [ "$me" = nn0 ] || [ "$both" -ge 3 ]; then
        log "no NameNode is active: making $me active"
        "$hdfs" haadmin -transitionToActive "$me" || log "transitionToActive $me failed; trying again"
      fi
      ;;
    standby/unreachable)
      both=0
      log "standby, and $peer does not answer: waiting for it"
      ;;
    *) both=0 ;;
  esac
  sleep "$interval" &
  wait $!
done
