"""netdojo: emulated network labs."""
