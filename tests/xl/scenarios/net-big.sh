# The network scenario (net.sh, variant one) with the full sizes under
# netem as well: 256 MiB from dom0 to the guest's discard sink (CRC
# compared) and 256 MiB from its chargen (every byte checked), plain (as
# make test does) and again through tc netem's loss, reordering,
# duplication and corruption, on PV and PVH. In make soak, not in make
# test: under netem the guest's sending runs at about 25 Mbit/s (NewReno
# repairs one loss per round trip; docs/tcp.md), about 90 s a direction,
# which make test's time budget cannot hold for both types; make test
# moves 4 MiB under netem.
#
# lab-suite: soak
# lab-types: pv pvh
# lab-timeout: 1800
# lab-cost: 1200
# lab-variants: one:LAB_GUEST=xenolith,VCPUS=1,NET=one,NET_TCP_BYTES=256M,NET_NETEM_BYTES=256M
# lab-expect: create ready ping udp-echo tcp-send tcp-send-guest tcp-recv tcp-par alive destroy
. /lab/scenarios/net.sh
