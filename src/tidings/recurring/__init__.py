"""Posts that repeat on a wall-clock rule (evergreen content), one repeat scheduled at a time."""
