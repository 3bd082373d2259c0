"""What the machine and a benchmark's process tree did while it ran: sampler, process tree, environment."""
