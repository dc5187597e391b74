#!/usr/bin/env bash
# helpdesk-up.sh: install (once) and start Request Tracker 5 + Postfix on loopback, for integration tests.
# Debian 12 (bookworm), run as root. Re-runnable: every run gets a fresh RT database and mail sink under $STATE.
#   RT REST2:  http://127.0.0.1:$RT_PORT/REST/2.0/   (token in $STATE/env, or basic auth root:$RT_ROOT_PASS)
#   SMTP:      127.0.0.1:$SMTP_PORT, STARTTLS offered (CA = $STATE/tls/ca.pem, name localhost)
#              helpdesk@example.test -> rt-mailgate -> RT queue "Support"; any other @example.test -> $MAILDIR (in /var/tmp: local(8) writes
#              it as nobody, who may not be able to reach $STATE)
set -euo pipefail
STATE=${STATE:-$PWD/target/helpdesk}
RT_PORT=${RT_PORT:-8080}
SMTP_PORT=${SMTP_PORT:-2525}
SMTP_SIZE_LIMIT=${SMTP_SIZE_LIMIT:-20971520}   # Postfix message_size_limit: bundles near it exercise SIZE
RT_ROOT_PASS=${RT_ROOT_PASS:-rtpassword123}
DOMAIN=example.test
MAILDIR=${MAILDIR:-/var/tmp/casefile-helpdesk-$SMTP_PORT/Maildir}
export DEBIAN_FRONTEND=noninteractive
log() { printf '[helpdesk-up %3ss] %s\n' "$SECONDS" "$*"; }
APT="apt-get -o DPkg::Lock::Timeout=600 -y -q"

# ---- 0. stop a previous run, fresh state dir ------------------------------------------------------
if [ -f "$STATE/rt/server.pid" ]; then
  pid=$(cat "$STATE/rt/server.pid"); kill "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
fi
rm -rf "$STATE" "$MAILDIR"; mkdir -p "$STATE"/{rt/etc,tls,postfix} "$MAILDIR"/{new,cur,tmp}

# ---- 1. packages (skipped when already installed) -------------------------------------------------
PKGS="request-tracker5 rt5-db-sqlite rt5-clients postfix openssl curl ca-certificates"
n=$(dpkg-query -W -f='${Status}\n' $PKGS 2>/dev/null | grep -c 'install ok installed' || true)
if [ "$n" = "$(echo $PKGS | wc -w)" ]; then
  log "packages already installed"
else
  debconf-set-selections <<EOF
request-tracker5 request-tracker5/dbconfig-install boolean false
request-tracker5 request-tracker5/install-cronjobs boolean false
postfix postfix/main_mailer_type select Local only
postfix postfix/mailname string $DOMAIN
man-db man-db/auto-update boolean false
EOF
  log "apt-get update"; $APT update >/dev/null
  log "apt-get install $PKGS"
  $APT -o Dpkg::Options::=--force-unsafe-io install --no-install-recommends $PKGS >"$STATE/apt.log" 2>&1 || { tail -50 "$STATE/apt.log"; exit 1; }
  log "packages installed"
fi

# ---- 2. RT: private config dir + SQLite db --------------------------------------------------------
export RT_SITE_CONFIG_DIR="$STATE/rt/etc"   # RT reads site config here instead of /etc/request-tracker5/RT_SiteConfig.d
export STATE RT_ROOT_PASS                   # used by seed.pl
cat > "$RT_SITE_CONFIG_DIR/50-ci.pm" <<EOF
Set(\$rtname, 'rt.$DOMAIN');
Set(\$Organization, '$DOMAIN');
Set(\$Timezone, 'UTC');
Set(\$CorrespondAddress, 'helpdesk@$DOMAIN');
Set(\$CommentAddress, 'helpdesk-comment@$DOMAIN');
Set(\$DatabaseType, 'SQLite');
Set(\$DatabaseName, '$STATE/rt/rtdb');
Set(\$WebPath, '');
Set(\$WebDomain, '127.0.0.1');
Set(\$WebPort, $RT_PORT);
Set(\$WebBaseURL, 'http://127.0.0.1:$RT_PORT');
Set(\$LogToSyslog, undef);
Set(\$LogToSTDERR, 'info');
Set(\$MailCommand, 'sendmailpipe');   # RT's own mail (autoreplies) goes through postfix's sendmail
EOF
cat > "$STATE/rt/seed.pl" <<'EOF'
# RT initialdata: queue + custom fields + rights for mail-in, then root's password and an auth token.
@Queues = ({ Name => 'Support', Description => 'Support requests',
             CorrespondAddress => 'helpdesk@example.test', CommentAddress => 'helpdesk-comment@example.test' });
@CustomFields = (
  { Name => 'Urgency', Type => 'SelectSingle', LookupType => 'RT::Queue-RT::Ticket', Queue => 'Support',
    Values => [ map { { Name => $_->[0], SortOrder => $_->[1] } } ['Low',1],['Normal',2],['High',3],['Critical',4] ] },
  { Name => 'AppVersion', Type => 'FreeformSingle', LookupType => 'RT::Queue-RT::Ticket', Queue => 'Support' },
);
@ACL = map { { GroupDomain => 'SystemInternal', GroupType => 'Everyone', Queue => 'Support', Right => $_ } }
       qw(CreateTicket ReplyToTicket CommentOnTicket);
@Final = (sub {
  my $root = RT::User->new(RT->SystemUser); $root->Load('root');
  my ($ok, $msg) = $root->SetPassword($ENV{RT_ROOT_PASS}); die "SetPassword: $msg" unless $ok;
  my $tok = RT::AuthToken->new(RT->SystemUser);
  my ($id, $m, $auth) = $tok->Create(Owner => $root->Id, Description => 'ci');
  die "token: $m" unless $id;
  open my $fh, '>', "$ENV{STATE}/rt/token" or die $!; print $fh "$auth\n"; close $fh;
});
EOF
log "RT: init database"
/usr/sbin/rt-setup-database-5 --action init --skip-create >"$STATE/rt/setup.log" 2>&1 || { cat "$STATE/rt/setup.log"; exit 1; }
log "RT: seed queue, custom fields, rights, token"
/usr/sbin/rt-setup-database-5 --action insert --skip-create --datafile "$STATE/rt/seed.pl" >>"$STATE/rt/setup.log" 2>&1 \
  || { cat "$STATE/rt/setup.log"; exit 1; }
[ -s "$STATE/rt/token" ] || { echo "no token written"; cat "$STATE/rt/setup.log"; exit 1; }
log "RT: start rt-server on 127.0.0.1:$RT_PORT"
nohup /usr/share/request-tracker5/libexec/rt-server --host 127.0.0.1 --port "$RT_PORT" --max-workers 2 \
  >"$STATE/rt/server.log" 2>&1 < /dev/null &
echo $! > "$STATE/rt/server.pid"

# ---- 3. Postfix: 127.0.0.1:$SMTP_PORT, STARTTLS, local domain example.test -----------------------
# A test authority (ca.pem, what clients trust) and a server certificate it signs: a real chain, as
# a company CA gives, rather than a self-signed certificate marked as an authority (which WebPKI
# clients such as rustls refuse as a server's own).
openssl req -x509 -newkey rsa:2048 -nodes -days 7 -subj "/CN=Casefile test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -keyout "$STATE/tls/ca-key.pem" -out "$STATE/tls/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
  -keyout "$STATE/tls/key.pem" -out "$STATE/tls/server.csr" 2>/dev/null
printf '%s\n' "subjectAltName=DNS:localhost,IP:127.0.0.1" "basicConstraints=critical,CA:FALSE" \
  "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" > "$STATE/tls/server.ext"
openssl x509 -req -days 7 -in "$STATE/tls/server.csr" -CA "$STATE/tls/ca.pem" -CAkey "$STATE/tls/ca-key.pem" \
  -CAcreateserial -extfile "$STATE/tls/server.ext" -out "$STATE/tls/cert.pem" 2>/dev/null
chown -R nobody:nogroup "$MAILDIR"         # local(8) does alias file and pipe deliveries as nobody
chmod 755 "$(dirname "$MAILDIR")"
cat > "$STATE/postfix/aliases" <<EOF
postmaster: root
helpdesk: "|/usr/bin/rt-mailgate --queue Support --action correspond --url http://127.0.0.1:$RT_PORT/"
helpdesk-comment: "|/usr/bin/rt-mailgate --queue Support --action comment --url http://127.0.0.1:$RT_PORT/"
sink: $MAILDIR/
EOF
postalias "$STATE/postfix/aliases"
postconf -e "myhostname=mx.$DOMAIN" "mydestination=$DOMAIN, localhost" "myorigin=$DOMAIN" \
  "inet_interfaces=loopback-only" "inet_protocols=ipv4" \
  "alias_maps=hash:$STATE/postfix/aliases" "alias_database=hash:$STATE/postfix/aliases" \
  "local_recipient_maps=" "luser_relay=sink" \
  "smtpd_tls_cert_file=$STATE/tls/cert.pem" "smtpd_tls_key_file=$STATE/tls/key.pem" \
  "smtpd_tls_security_level=may" "smtpd_tls_received_header=yes" \
  "message_size_limit=$SMTP_SIZE_LIMIT" "mailbox_size_limit=0" \
  "maillog_file_prefixes=/var,/dev/stdout,$STATE" "maillog_file=$STATE/postfix/mail.log"
postconf -M "127.0.0.1:$SMTP_PORT/inet=127.0.0.1:$SMTP_PORT inet n - n - - smtpd"
postconf -MX smtp/inet                      # no listener on port 25
postfix check
if postfix status >/dev/null 2>&1; then postfix stop >/dev/null 2>&1 || true; sleep 1; fi
postfix start >/dev/null 2>&1
log "postfix started on 127.0.0.1:$SMTP_PORT"

# ---- 4. wait until both answer ---------------------------------------------------------------------
for _ in $(seq 300); do (exec 3<>/dev/tcp/127.0.0.1/$SMTP_PORT) 2>/dev/null && break; sleep 0.2; done
TOKEN=$(cat "$STATE/rt/token")
for _ in $(seq 300); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: token $TOKEN" "http://127.0.0.1:$RT_PORT/REST/2.0/rt")" = 200 ] && break
  kill -0 "$(cat "$STATE/rt/server.pid")" 2>/dev/null || { cat "$STATE/rt/server.log"; exit 1; }
  sleep 0.2
done
cat > "$STATE/env" <<EOF
RT_URL=http://127.0.0.1:$RT_PORT
RT_REST2_URL=http://127.0.0.1:$RT_PORT/REST/2.0
RT_TOKEN=$TOKEN
RT_USER=root
RT_PASS=$RT_ROOT_PASS
RT_QUEUE=Support
SMTP_HOST=127.0.0.1
SMTP_PORT=$SMTP_PORT
SMTP_SIZE_LIMIT=$SMTP_SIZE_LIMIT
SMTP_TLS_CA=$STATE/tls/ca.pem
SMTP_TLS_NAME=localhost
HELPDESK_ADDR=helpdesk@$DOMAIN
MAILDIR=$MAILDIR
EOF
log "ready; settings in $STATE/env"
