"""Customer management: vehicles, maintenance, contacts, activities, tickets, reminders, import/export."""
