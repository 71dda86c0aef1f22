# The ACPI power button's pure part: routing the SCI through the MADT
# (lib/acpi_irq.c).
unit-tests += acpi_irq
cut-acpi_irq := lib/acpi_irq.c lib/acpi_madt.c
fuzz-targets += acpi_irq
fuzz-cut-acpi_irq := lib/acpi_irq.c lib/acpi_madt.c
fuzz-max-len-acpi_irq := 4096
fuzz-smoke-max-len-acpi_irq := 1024
