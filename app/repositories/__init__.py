"""The only place with select()/insert()/update(); repositories never commit."""
