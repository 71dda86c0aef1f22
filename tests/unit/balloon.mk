# The balloon's pure part (lib/balloon_plan.c): host unit tests of the
# memory/target parser and the step planner, and a libFuzzer target for
# the parser and the planner (docs/balloon.md).
unit-tests += balloon
cut-balloon := lib/balloon_plan.c
fuzz-targets += balloon
fuzz-cut-balloon := lib/balloon_plan.c
# 1 byte of planner choice, 16 bytes of plan, the rest a target value.
fuzz-max-len-balloon := 64
fuzz-smoke-max-len-balloon := 64
