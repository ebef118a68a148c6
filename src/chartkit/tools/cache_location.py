"""Where chartkit keeps what it derives: `.cache/chartkit/` under the repository root
(ignored by git, always safe to delete). Only a constant, so the program can look there
before it loads anything else."""

CACHE_DIRECTORY = ".cache/chartkit"
