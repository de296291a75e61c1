"""The replication of the 2009 study: its published tables, their audit, and the reconstructed wave."""
