#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# A history with known quiet spells for the language, trend, quiet and rendering tests:
# appliance lab1, one interval a day at 12:00 UTC from 2024-01-01 to 2024-06-30.
#   ID-THEFT      information theft, from 01-01, open; hits 01-05 (3), 02-10 (2), none after
#   ID-BACKDOOR   backdoor, from 01-15, open; hits 01-20 (1), 03-03 (4), 04-07 (1), 06-20 (2)
#   ID-DDOS       DDoS, from 04-20, open; never hit
#   ID-ENDED      DDoS, 01-01 to 06-15; never hit
#   ID-ALLOW-OLD  listed with backdoor entries, hit 04-03 (1); the load of 05-01 has only
#                 allow entries for it, written as builds before the fix did: no start,
#                 end day 0 (1970-01-01)
#   ID-ALLOW-NEW  only allow entries, written as now: open start and end; never hit
# usage: half_year.sh MKHIST DB
set -eu
mkhist=$1 db=$2
rm -f "$db"
{
	echo "db $db lab1"
	echo "load 2024-01-01T00:00:00"
	echo "entry ID-THEFT information_theft 5 2024-01-01 -"
	echo "entry ID-BACKDOOR backdoor 3 2024-01-15 -"
	echo "entry ID-ENDED DDoS 1 2024-01-01 2024-06-15"
	echo "entry ID-ALLOW-OLD backdoor 4 2024-01-01 -"
	echo "commit"
	echo "load 2024-05-01T00:00:00"
	echo "entry ID-THEFT information_theft 5 2024-01-01 -"
	echo "entry ID-BACKDOOR backdoor 3 2024-01-15 -"
	echo "entry ID-DDOS DDoS 2 2024-04-20 -"
	echo "entry ID-ENDED DDoS 1 2024-01-01 2024-06-15"
	echo "entry ID-ALLOW-OLD - 4 - 1970-01-01"
	echo "entry ID-ALLOW-NEW - 2 - -"
	echo "commit"
	for d in $(seq 0 181); do
		day=$(date -u -d "2024-01-01 + $d days" +%F)
		case $day in
		2024-01-05) hits="ID-THEFT=information_theft=3" ;;
		2024-02-10) hits="ID-THEFT=information_theft=2" ;;
		2024-01-20) hits="ID-BACKDOOR=backdoor=1" ;;
		2024-03-03) hits="ID-BACKDOOR=backdoor=4" ;;
		2024-04-07) hits="ID-BACKDOOR=backdoor=1" ;;
		2024-06-20) hits="ID-BACKDOOR=backdoor=2" ;;
		2024-04-03) hits="ID-ALLOW-OLD=backdoor=1" ;;
		*) hits= ;;
		esac
		n=0
		[ -n "$hits" ] && n=${hits##*=}
		echo "iv ${day}T12:00:00 60 $((1000000 + d * 1000)) 100 $n $hits"
	done
} | "$mkhist"
