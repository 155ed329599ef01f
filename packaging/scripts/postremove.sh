#!/bin/sh
# After removal. History is kept on remove and deleted only on purge (deb), as users expect of
# their data; the uptty user stays, so that files it owns elsewhere never pass to a new user
# that reuses its id.
set -e

if [ "$1" = purge ]; then
	rm -rf /var/lib/uptty
fi
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload >/dev/null 2>&1 || true
fi
