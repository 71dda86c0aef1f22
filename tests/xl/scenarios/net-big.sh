# The network scenario (net.sh, variant one) with four times make test's
# sizes: 1 GiB from dom0 to the guest's discard sink (CRC compared) and
# 1 GiB from its chargen (every byte checked), plain and again through tc
# netem's loss, reordering, duplication and corruption, on PV and PVH.
# In make soak, not in make test: under netem each direction makes 24-35
# Mbit/s, four to six minutes a GiB (make test's variant one moves 256
# MiB each way, plain and under netem, in about 380 s a type).
#
# lab-suite: soak
# lab-types: pv pvh
# lab-timeout: 3600
# lab-cost: 1500
# lab-variants: one:LAB_GUEST=xenolith,VCPUS=1,NET=one,NET_TCP_BYTES=1G,NET_NETEM_BYTES=1G
# lab-expect: create ready ping udp-echo tcp-send tcp-send-guest tcp-recv tcp-par alive destroy
. /lab/scenarios/net.sh
