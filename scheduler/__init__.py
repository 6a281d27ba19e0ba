"""Time-driven jobs on PTB's JobQueue (APScheduler). Jobs call services, nothing else."""
