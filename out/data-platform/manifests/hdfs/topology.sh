#!/bin/sh
# Rack awareness for HDFS, one rack per zone: the NameNode runs this with
# addresses (net.topology.script.file.name in core-site.xml) and reads one
# rack per address, in order. It passes pod addresses, not names, and a pod
# address says nothing about its zone; neither does a DataNode's host name.
#
# So the DataNodes run as one StatefulSet per zone, pinned to it, each with
# a headless Service that publishes its pods' addresses, ready or not. An
# address behind datanode-ZONE is in /ZONE; anything else (a client, or a
# DataNode the DNS does not list yet) is in /default-rack. A DataNode starts
# only once its Service lists it (datanode.yaml), so it registers in its
# zone. The NameNode remembers each answer until it restarts, which holds
# because pod addresses come from per-node ranges (as Calico and Cilium
# hand them out): an address, even reused, stays in its node's zone.
#
# The rack-fault-tolerant block placement (hdfs-site.xml) then spreads the
# copies of each block over the zones, at most ceil(replicas / zones) in
# one: with 3 copies over 3 zones, losing a zone loses one copy of a block.
members() {
  getent ahosts "$1" 2>/dev/null | cut -d ' ' -f 1 | sort -u | tr '\n' ' '
}
zone0=" $(members datanode-az1.hdfs.svc.cluster.local.) "
zone1=" $(members datanode-az2.hdfs.svc.cluster.local.) "
zone2=" $(members datanode-az3.hdfs.svc.cluster.local.) "
for address in "$@"; do
  rack=/default-rack
  case "$zone0" in *" $address "*) rack=/az1 ;; esac
  case "$zone1" in *" $address "*) rack=/az2 ;; esac
  case "$zone2" in *" $address "*) rack=/az3 ;; esac
  echo "$rack"
done
