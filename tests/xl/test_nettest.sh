#!/bin/sh
# check-nettest: nettest against its own servers on the build host's
# loopback (tests/nettest.mk). Every client mode must succeed against the
# right service, and each kind of failure must give its exit code: 1 for
# wrong data (a source of another seed), 3 for network errors (a closed
# port, a peer that sends nothing), 2 for usage errors.
#   sh tests/xl/test_nettest.sh PATH/TO/nettest
set -u
NT=$1
H=127.0.0.1
out=$(mktemp)
srv=$(mktemp)
fails=0
spid=
trap 'kill $spid 2>/dev/null; rm -f $out $srv' EXIT
# Ports from the process id; another base when one is taken.
for try in 0 1 2 3 4; do
	# Below the ephemeral range (32768 and up), where clients' ports are.
	base=$(( 10000 + ($$ * 7 + try * 977) % 20000 ))
	U=$base T=$(( base + 1 )) S=$(( base + 2 )) C=$(( base + 3 )) X=$(( base + 4 ))
	$NT --bind $H serve udpecho:$U tcpecho:$T sink:$S source:$C >$srv 2>&1 &
	spid=$!
	i=0
	until grep -q 'serve ready' $srv || ! kill -0 $spid 2>/dev/null; do
		i=$(( i + 1 ))
		[ $i -gt 50 ] && break
		sleep 0.1
	done
	grep -q 'serve ready' $srv && break
	kill $spid 2>/dev/null
done
grep -q 'serve ready' $srv || { echo "nettest serve did not start:"; cat $srv; exit 1; }

# expect RC PATTERN ARGS...: run nettest, check its exit status and that
# its last line matches PATTERN (grep -E).
expect() {
	local want=$1 pat=$2 rc=0
	shift 2
	$NT "$@" >$out 2>/dev/null || rc=$?
	if [ $rc -ne $want ] || ! tail -n 1 $out | grep -Eq "$pat"; then
		echo "FAILED: nettest $* -> exit $rc (want $want), last line: $(tail -n 1 $out)"
		fails=$(( fails + 1 ))
	fi
}

expect 0 '^nettest: udp-echo ok .* echoed=3000 lost=0 .*bad=0 ' -n 3000 udp-echo $H:$U
expect 0 '^nettest: udp-echo ok .* echoed=40 lost=0 .*sizes=1473-65507 ' \
	-n 40 --min 1473 --max 65507 udp-echo $H:$U
expect 0 '^nettest: udp-pps ok .* size=64 ' --secs 0.3 udp-pps $H:$U
want=$($NT --seed 77 --bytes 8M crc | sed 's/.*crc32=//')
expect 0 "^nettest: tcp-send ok .* bytes=8388608 crc32=$want " --seed 77 --bytes 8M tcp-send $H:$S
sleep 0.2
grep -q "^nettest: sink peer=.* bytes=8388608 crc32=$want " $srv ||
	{ echo "FAILED: no sink line with crc32=$want"; cat $srv; fails=$(( fails + 1 )); }
want=$($NT --seed 0x19c4a26e --bytes 5M crc | sed 's/.*crc32=//')
expect 0 "^nettest: tcp-recv ok .* bytes=5242880 crc32=$want " --bytes 5M tcp-recv $H:$C
expect 0 '^nettest: tcp-echo ok .* conns=8 bytes=8388608 crc32=mixed ' \
	--conns 8 --bytes 1M tcp-echo $H:$T
expect 0 '^nettest: tcp-send ok .* conns=16 bytes=16777216 crc32=0x' \
	--conns 16 --bytes 1M tcp-send $H:$S
expect 0 '^nettest: tcp-connrate ok .* conn_s=' --secs 0.3 tcp-connrate $H:$T
# SIGUSR1 ends a --secs run early with its normal result.
$NT --secs 60 tcp-send $H:$S >$out 2>&1 &
bg=$!
sleep 0.5
kill -USR1 $bg
wait $bg
rc=$?
if [ $rc -ne 0 ] || ! tail -n 1 $out | grep -q '^nettest: tcp-send ok .* ms=[0-9]\{3\} '; then
	echo "FAILED: tcp-send --secs 60 stopped by SIGUSR1 -> exit $rc: $(tail -n 1 $out)"
	fails=$(( fails + 1 ))
fi
# Wrong data: the source's stream checked against another seed.
expect 1 '^nettest: tcp-recv FAIL .* MISMATCH at offset 0' --seed 5 --bytes 1M tcp-recv $H:$C
# Network errors: nothing listens; a peer that never sends.
expect 3 '^nettest: tcp-send FAIL .*connect: Connection refused' tcp-send $H:$X
expect 3 '^nettest: udp-echo FAIL .*port unreachable' -n 5 --timeout 50 udp-echo $H:$X
expect 3 '^nettest: tcp-recv FAIL .*no progress for 300 ms' --io-timeout 300 --bytes 1K tcp-recv $H:$S
# Usage.
expect 2 'FAIL -- usage' --bogus tcp-send $H:$S
expect 2 'FAIL -- usage' tcp-send $H
expect 2 'FAIL -- usage' --max 70000 udp-echo $H:$U
[ $fails -eq 0 ] || exit 1
