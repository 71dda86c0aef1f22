# The network scenario (net.sh, variant one) with the full sizes: 256 MiB
# from dom0 to the guest's discard sink (CRC compared) and 256 MiB from
# its chargen (every byte checked), on PV and PVH. In make soak, not in
# make test: under emulation one such case takes 4-8 minutes (a PV guest
# moved 256 MiB at 37 Mbit/s on a loaded lab machine), which make test's
# time budget cannot hold for both types; make test runs the same steps
# with NET_TCP_BYTES=32M.
#
# lab-suite: soak
# lab-types: pv pvh
# lab-timeout: 1200
# lab-variants: one:LAB_GUEST=xenolith,VCPUS=1,NET=one,NET_TCP_BYTES=256M
# lab-expect: create ready ping udp-echo tcp-send tcp-send-guest tcp-recv tcp-par alive destroy
. /lab/scenarios/net.sh
