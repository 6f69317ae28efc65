"""Background work: leased jobs and periodic checks, run by `crm worker` or inside `crm serve`."""
