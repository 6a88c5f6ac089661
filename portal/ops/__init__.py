"""Running the portal: health checks for the load balancer, structured logs, backups (issue 7)."""
