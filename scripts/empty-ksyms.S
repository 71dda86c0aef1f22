	.section .ksyms, "a"
	.balign 8
	.globl ksyms_addr, ksyms_name_off, ksyms_names, ksyms_count
ksyms_count:
	.quad 0
ksyms_addr:
ksyms_name_off:
ksyms_names:
	.byte 0
