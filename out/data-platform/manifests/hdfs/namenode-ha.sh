#!/bin/sh
# Keeps one of the two NameNodes of hdfs active, without ZooKeeper. Each
# NameNode pod runs it twice:
#
#   namenode-ha.sh watch      in the container "ha", for as long as the pod runs
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
# handover: a NameNode that is active when its pod stops (a rolling update,
# a drain) hands the active role to the other one if that one answers
# standby, with hdfs haadmin -failover. The fencing method is a no-op
# (hdfs-site.xml): the JournalNodes refuse writes from an older epoch.
set -u
hdfs=${HDFS:-/opt/hadoop/bin/hdfs}
interval=${HA_INTERVAL:-30}
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

log() { echo "namenode-ha ($me): $*"; }

case "${1:-}" in
  handover)
    [ "$(state "$me")" = active ] || exit 0
    other=$(state "$peer")
    if [ "$other" != standby ]; then
      log "stopping while active; $peer is $other, so no NameNode is active until one is back"
      exit 0
    fi
    log "stopping while active: failing over to $peer"
    "$hdfs" haadmin -failover "$me" "$peer" || log "failover to $peer failed; no NameNode is active until $me is back"
    exit 0
    ;;
  watch) ;;
  *) echo "usage: namenode-ha.sh watch|handover" >&2; exit 2 ;;
esac

trap 'exit 0' TERM INT
both=0
while :; do
  mine=$(state "$me")
  other=
  [ "$mine" = standby ] && other=$(state "$peer")
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
