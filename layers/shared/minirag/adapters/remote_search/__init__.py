"""Adapters of the RemoteSearch port, one module per protocol; bootstrap maps source types onto them."""
