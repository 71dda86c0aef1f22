# A plain boot of Xenolith as an xl domU: wait for "xenolith: ready" on its
# console, then xl destroy.
#
# lab-suite: test
# lab-types: pv pvh
# lab-timeout: 120
# lab-cost: 5
# lab-expect: create ready destroy

lab_create || exit 1
lab_expect_ready
lab_destroy
