# The lifecycle scenario's other cases (lifecycle.sh, which make test runs
# with save for PVH): save for PV (outside make test only because dom0's
# xl crashed now and then in the lab after the guest had done its part),
# save with one vCPU, checkpoint (xl save -c: the guest resumes in the
# same domain) and live migration to this host (PVH only: the lab's Xen
# has no log-dirty mode for PV guests), and renego (PVH: blkback offers
# other features to the restored guest). Every case but renego streams
# TCP across the operation (the tcp result; it fails when the guest is
# suspended longer than 60 s, docs/lifecycle.md). Outside make test for
# its time:
# make lab-test LAB_SCENARIOS=lifecycle-more.
#
# lab-suite: lifecycle
# lab-types: pv pvh
# lab-timeout: 600
# lab-variants: save:OP=save,LAB_ONLY_TYPES=pv save1:OP=save,VCPUS=1 checkpoint:OP=checkpoint migrate:OP=migrate,LAB_ONLY_TYPES=pvh renego:OP=save,LC_RENEGO=1,LC_TCP=0,LAB_ONLY_TYPES=pvh
# lab-expect: create ready before disk-before busy-before suspend resumed monitor clock watch vcpus disk-after busy-disk mac counters destroy

. /lab/scenarios/lifecycle.sh
