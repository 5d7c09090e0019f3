#!/bin/sh
# log-retention: deletes the daily log indices fluent-bit writes
# (logs-YYYY.MM.DD) once their date is more than 30 days before today
# (UTC). Any other index, logs-* or not, is left alone. The CronJob
# log-retention runs it once a day in the search image, which has curl and
# GNU date; it logs in as the readiness probes do: elastic, the password
# from logs-es-elastic-user, the CA of logs-es-http-certs-public.
#
# An HTTP error, a timeout or a refused login stops the script with a
# non-zero status, so the Job fails and shows up as failed.
set -eu

days=30
url='https://logs-es-http.logs.svc:9200'
cacert='/usr/share/elasticsearch/config/certs/ca.crt'

# LOG_RETENTION_NOW (seconds since the epoch) pins "now" for tests; the
# CronJob does not set it.
now=${LOG_RETENTION_NOW:-$(date -u +%s)}
cutoff=$(date -u -d "@$((now - days * 86400))" +%Y%m%d)

search() {
	curl --silent --show-error --fail --max-time 120 \
		--cacert "$cacert" --user "elastic:$ELASTIC_PASSWORD" \
		--request "$1" "$url$2"
}

# One index name a line; an empty list when no logs-* index exists.
indices=$(search GET '/_cat/indices/logs-*?h=index&s=index')

set -f # the names are split on whitespace below, never globbed
deleted=0
kept=0
for index in $indices; do
	case $index in
	logs-[0-9][0-9][0-9][0-9].[0-9][0-9].[0-9][0-9]) ;;
	*)
		echo "skipping $index: not a daily log index"
		continue
		;;
	esac
	date=${index#logs-}
	year=${date%%.*}
	rest=${date#*.}
	month=${rest%%.*}
	day=${rest#*.}
	if [ "$year$month$day" -lt "$cutoff" ]; then
		search DELETE "/$index" >/dev/null
		echo "deleted $index"
		deleted=$((deleted + 1))
	else
		kept=$((kept + 1))
	fi
done
echo "retention $days days (deleting before $cutoff): deleted $deleted, kept $kept daily indices"
