"""How ncplan reaches Nomad and Consul: the HTTP policy, TLS and the settings from the
configuration and the environment; shared by the providers and the Consul state backend."""
