#!/usr/bin/env bash
# client_crash_pipe.sh with private messages instead of room lines.
CRASH_PIPE_PM=1 exec bash "$(dirname "$0")/client_crash_pipe.sh" "$@"
