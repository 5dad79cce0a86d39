#!/bin/sh
# dd reference figures on the disk under test (same filesystem as java.io.tmpdir)
D=$(mktemp -d /tmp/flymq-dd.XXXXXX)
echo "== $(date -u +%H:%M:%S) $(uptime)"
echo "-- page cache only (no sync), 512 MiB"; dd if=/dev/zero of=$D/a bs=1M count=512 2>&1 | tail -1; rm -f $D/a
echo "-- conv=fdatasync, 1 GiB (data on disk before dd exits)"; dd if=/dev/zero of=$D/b bs=1M count=1024 conv=fdatasync 2>&1 | tail -1; rm -f $D/b
echo "-- oflag=direct, 1 GiB (O_DIRECT, no page cache)"; dd if=/dev/zero of=$D/c bs=1M count=1024 oflag=direct 2>&1 | tail -1; rm -f $D/c
echo "== $(date -u +%H:%M:%S) $(uptime)"
rmdir $D
