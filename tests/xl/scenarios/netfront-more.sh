# The netfront scenario's variants outside the default list (netfront.sh
# has the tests; its header says what each variant does): basic (1 vCPU),
# mq (two queues and their keys), shared (netback's one event channel per
# queue). Run with `make lab-test LAB_SCENARIOS=netfront-more`.
#
# lab-suite: net
# lab-types: pv pvh
# lab-timeout: 300
# lab-variants: basic:NF=basic,VCPUS=1 mq:NF=mq,VCPUS=2 shared:NF=shared,VCPUS=1
# lab-expect: create ready connected arp-tx arp-rx tso shutdown destroy

. /lab/scenarios/netfront.sh
