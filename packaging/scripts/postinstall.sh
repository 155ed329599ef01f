#!/bin/sh
# After install or upgrade (deb: configure; rpm: $1 = 1 or 2; apk: post-install/upgrade):
# the uptty system user and group, its state directory, and the config readable by it alone.
set -e

if ! grep -q '^uptty:' /etc/group; then
	if command -v groupadd >/dev/null 2>&1; then
		groupadd --system uptty
	else # Alpine (busybox)
		addgroup -S uptty
	fi
fi
if ! id uptty >/dev/null 2>&1; then
	nologin=/usr/sbin/nologin
	[ -x "$nologin" ] || nologin=/sbin/nologin
	if command -v useradd >/dev/null 2>&1; then
		useradd --system --gid uptty --home-dir /var/lib/uptty --no-create-home \
			--shell "$nologin" --comment "uptty monitor" uptty
	else
		adduser -S -D -H -h /var/lib/uptty -s "$nologin" -G uptty -g "uptty monitor" uptty
	fi
fi

# systemd's StateDirectory= makes it too, but `uptty incidents` and a serve started by hand
# need it before the service ever ran, and OpenRC has no such thing.
install -d -o uptty -g uptty -m 0750 /var/lib/uptty
# The config may hold webhook URLs and other secrets: root writes it, uptty reads it.
if [ -f /etc/uptty/config.yaml ]; then
	chgrp uptty /etc/uptty/config.yaml
	chmod 0640 /etc/uptty/config.yaml
fi

# Not enabled or started here: the config needs the user's services first. An upgrade
# restarts a service that was running, on the new binary.
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload >/dev/null 2>&1 || true
	systemctl try-restart uptty.service >/dev/null 2>&1 || true
fi
