#!/usr/bin/env bash
# Clone a site of the Frappe 16 chroot bench (/opt/v16-root) by copying its database, for benchmarks:
#   benchmarks/clone_site_v16.sh winback16.test winback16-bench.test
# The v15 way (/work/notes/clone_site.sh) adapted to the chroot: MariaDB on 127.0.0.1:3307 (root, no password),
# the chroot's sites folder; the chroot's Python cannot run outside it, so the host's python3 writes the
# site_config and the chroot's frappe clears the new site's cache. The database name follows frappe's scheme
# ("_" + sha1 of the site's path inside the chroot)[:16]); the test fingerprint is dropped (a bench site is not
# a test site). Remove a clone: DROP DATABASE and DROP USER its db_name on port 3307, then delete sites/DST.
set -euo pipefail
SRC=${1:?usage: clone_site_v16.sh SRC DST}; DST=${2:?usage: clone_site_v16.sh SRC DST}
SITES=${SITES:-/opt/v16-root/home/frappe/frappe-bench/sites}
ROOT=(mariadb -uroot -h127.0.0.1 -P"${DB_PORT:-3307}")
[ -f "$SITES/$SRC/site_config.json" ] || { echo "no site $SRC in $SITES" >&2; exit 1; }
[ -e "$SITES/$DST" ] && { echo "site $DST exists" >&2; exit 1; }
SRC_DB=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['db_name'])" "$SITES/$SRC/site_config.json")
DB_NAME=$(python3 -c "import hashlib,sys;print('_'+hashlib.sha1(sys.argv[1].encode()).hexdigest()[:16])" "/home/frappe/frappe-bench/sites/$DST")
DB_PW=$(python3 -c "import secrets,string;a=string.ascii_letters+string.digits;print(''.join(secrets.choice(a) for _ in range(16)))")
"${ROOT[@]}" -e "DROP DATABASE IF EXISTS \`$DB_NAME\`; DROP USER IF EXISTS '$DB_NAME'@'%'; DROP USER IF EXISTS '$DB_NAME'@'localhost';
CREATE DATABASE \`$DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER '$DB_NAME'@'%' IDENTIFIED BY '$DB_PW'; CREATE USER '$DB_NAME'@'localhost' IDENTIFIED BY '$DB_PW';
GRANT ALL PRIVILEGES ON \`$DB_NAME\`.* TO '$DB_NAME'@'%'; GRANT ALL PRIVILEGES ON \`$DB_NAME\`.* TO '$DB_NAME'@'localhost'; FLUSH PRIVILEGES;"
mariadb-dump -uroot -h127.0.0.1 -P"${DB_PORT:-3307}" --single-transaction --quick --routines --triggers --events "$SRC_DB" | "${ROOT[@]}" "$DB_NAME"
cp -a "$SITES/$SRC" "$SITES/$DST"
rm -rf "$SITES/$DST/locks" "$SITES/$DST/logs"/* 2>/dev/null || true
python3 - "$SITES/$DST/site_config.json" "$DB_NAME" "$DB_PW" <<'PYEOF'
import json, sys
p, name, pw = sys.argv[1:]
c = json.load(open(p)); c["db_name"] = name; c["db_user"] = name; c["db_password"] = pw
c.pop("winback_test_fingerprint", None)
with open(p, "w") as f:
	json.dump(c, f, indent=1, sort_keys=True); f.write("\n")
PYEOF
/opt/v16-root/frappe.sh --site "$DST" clear-cache
echo "cloned $SRC ($SRC_DB) -> $DST ($DB_NAME)"
