# The hostile network backend scenario (hostile-net.sh) one mode per
# guest: MODE for Xenolith, linux-MODE for Debian's Linux and its
# xen-netfront (LAB_GUEST=linux, the reference the backend was checked
# against). Each case boots its own guest with the hostile vif as devid 1
# (hot attached for Xenolith, there from boot for Linux), so a mode's
# failure is seen on its own. Not in the default lab-test list (suite
# hostile-net; make test runs the modes many to a guest through
# hostile-net.sh):
#   make lab-test LAB_SCENARIOS=hostile-net-one LAB_TYPES=pv LAB_VARIANTS="honest tx-dup-id"
#
# lab-suite: hostile-net
# lab-types: pv pvh
# lab-timeout: 300
# lab-variants: honest:MODE=honest tx-unknown-id:MODE=tx-unknown-id tx-dup-id:MODE=tx-dup-id tx-rsp-prod-jump:MODE=tx-rsp-prod-jump rx-offset-overflow:MODE=rx-offset-overflow rx-status-negative:MODE=rx-status-negative rx-status-huge:MODE=rx-status-huge rx-too-long:MODE=rx-too-long rx-more-slots:MODE=rx-more-slots rx-extra-loop:MODE=rx-extra-loop rx-extra-unknown:MODE=rx-extra-unknown rx-rsp-prod-jump:MODE=rx-rsp-prod-jump storm:MODE=storm absurd-queues:MODE=absurd-queues absurd-features:MODE=absurd-features bad-mac:MODE=bad-mac close-midio:MODE=close-midio nodes-removed:MODE=nodes-removed killed:MODE=killed linux-honest:MODE=honest,LAB_GUEST=linux linux-tx-unknown-id:MODE=tx-unknown-id,LAB_GUEST=linux linux-tx-dup-id:MODE=tx-dup-id,LAB_GUEST=linux linux-tx-rsp-prod-jump:MODE=tx-rsp-prod-jump,LAB_GUEST=linux linux-rx-offset-overflow:MODE=rx-offset-overflow,LAB_GUEST=linux linux-rx-status-negative:MODE=rx-status-negative,LAB_GUEST=linux linux-rx-status-huge:MODE=rx-status-huge,LAB_GUEST=linux linux-rx-too-long:MODE=rx-too-long,LAB_GUEST=linux linux-rx-more-slots:MODE=rx-more-slots,LAB_GUEST=linux linux-rx-extra-loop:MODE=rx-extra-loop,LAB_GUEST=linux linux-rx-extra-unknown:MODE=rx-extra-unknown,LAB_GUEST=linux linux-rx-rsp-prod-jump:MODE=rx-rsp-prod-jump,LAB_GUEST=linux linux-storm:MODE=storm,LAB_GUEST=linux linux-absurd-queues:MODE=absurd-queues,LAB_GUEST=linux linux-absurd-features:MODE=absurd-features,LAB_GUEST=linux linux-bad-mac:MODE=bad-mac,LAB_GUEST=linux linux-close-midio:MODE=close-midio,LAB_GUEST=linux linux-nodes-removed:MODE=nodes-removed,LAB_GUEST=linux linux-killed:MODE=killed,LAB_GUEST=linux
# lab-expect: create ready honest-vif-before modes destroy

MODES=$MODE
# Every check, also those make test's many-mode run leaves to xenstore:
# the monitor per mode, netfront's listing and its L2 probes on the
# failed vif.
HN_THOROUGH=1
. /lab/scenarios/hostile-net.sh
