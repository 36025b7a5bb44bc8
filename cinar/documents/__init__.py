"""Electronic document management (EBYS): registry, numbering, file plan, havale, approvals."""
