#!/usr/bin/env python3
"""Writes the `syntax` redaction suite from the templates below.

    gen_syntax.py tests/redaction/syntax

In a template, ⟦go:V⟧ marks a secret that must be removed, ⟦stay:V⟧ a placeholder, ⟦ref:V⟧ a
code reference and ⟦other:V⟧ ordinary text that must stay; the markers are stripped from the
written file and listed in expect.json.
"""
import json, os, re, sys

OUT = sys.argv[1]
FILES = {}

FILES["cases/Makefile"] = """\
DB_PASSWORD ?= ⟦go:mkQ7vFAKEpass1⟧
API_TOKEN := ⟦go:mkQ7vFAKEtok2⟧
SECRET_KEY ::= ⟦go:mkQ7vFAKEsec3⟧
REGISTRY_PASSWORD += ⟦go:mkQ7vFAKEpw4⟧
PASSWORD ?= ⟦stay:$(shell cat .pw)⟧
TOKEN := ⟦stay:${CI_TOKEN}⟧
deploy:
\tcurl -u deploy:⟦go:mkQ7vFAKEcurl5⟧ https://repo.example/upload
"""

FILES["cases/main.go"] = """\
package main

const apiToken = "⟦go:goR2xFAKEconst1⟧"

type Config struct {
\tPassword string `env:"DB_PASSWORD" default:"⟦go:goR2xFAKEtag2⟧"`
\tHost     string `default:"localhost"`
}

func main() {
\tpassword := "⟦go:goR2xFAKEwalrus3⟧"
\ttoken := `⟦go:goR2xFAKEraw4⟧`
\tvar clientSecret string = "⟦go:goR2xFAKEvar5⟧"
\tdbPassword := ⟦ref:os.Getenv⟧("DB_PASSWORD")
\t_ = password + token + clientSecret + dbPassword
}
"""

FILES["cases/config.php"] = """\
<?php
$password = '⟦go:phpK4FAKEassign1⟧';
$password .= '⟦go:phpK4FAKEappend2⟧';
$config = [
    'db_password' => '⟦go:phpK4FAKEarrow3⟧',
    'api_key' => "⟦go:phpK4FAKEarrow4⟧",
    'password' => ⟦ref:getenv⟧('DB_PASSWORD'),
];
"""

FILES["cases/logstash.conf"] = """\
output {
  elasticsearch {
    hosts => ["https://es.example:9200"]
    "user" => "⟦other:logstash⟧"
    "password" => "⟦go:lsM3FAKEpw1⟧"
    api_key => "⟦go:lsM3FAKEkey2⟧"
    ssl_keystore_password => "⟦stay:${KEYSTORE_PASS}⟧"
  }
}
"""

FILES["cases/App.java"] = """\
public class App {
    private static final String PASSWORD = "⟦go:javaW8FAKEfinal1⟧";
    String dbPassword = "⟦go:javaW8FAKEfield2⟧";
    void init() {
        System.setProperty("X_API_TOKEN", "⟦go:javaW8FAKEprop3⟧");
        String token = ⟦ref:System.getenv⟧("API_TOKEN");
        props.put("password", "⟦go:javaW8FAKEput4⟧");
        char[] secret = ⟦ref:settings.SECRET_KEY⟧;
    }
}
"""

FILES["cases/Program.cs"] = """\
var builder = WebApplication.CreateBuilder(args);
string password = "⟦go:csN5FAKEstring1⟧";
const string ApiKey = "⟦go:csN5FAKEconst2⟧";
var conn = "Server=db;Database=app;User Id=sa;Password=⟦go:csN5FAKEconn3⟧;Encrypt=true";
Environment.SetEnvironmentVariable("CLIENT_SECRET", "⟦go:csN5FAKEenv4⟧");
"""

FILES["cases/app.kt"] = """\
val apiToken = "⟦go:ktP6FAKEval1⟧"
val dbPassword: String = "⟦go:ktP6FAKEtyped2⟧"
private var refreshToken: String? = ⟦other:null⟧
"""

FILES["cases/settings.py"] = """\
import os
SECRET_KEY = "⟦go:pyT9FAKEdjango1⟧"
os.environ["DB_PASSWORD"] = "⟦go:pyT9FAKEenviron2⟧"
config.set("password", "⟦go:pyT9FAKEset3⟧")
API_TOKEN = ⟦ref:os.getenv⟧("API_TOKEN")
DATABASE_PASSWORD = ⟦ref:os.environ.get⟧("DATABASE_PASSWORD", "")
token = ⟦ref:process.env.API_TOKEN⟧
SIGNING_KEY = \"\"\"
⟦go:pyT9FAKEtriple4⟧
\"\"\"
"""

FILES["cases/setenv.c"] = """\
int main(void) {
    setenv("API_TOKEN", "⟦go:cZ1FAKEsetenv1⟧", 1);
    return 0;
}
"""

FILES["cases/config.toml"] = """\
[database]
user = "app"
password = "⟦go:tomlA1FAKEpw1⟧"

[auth]
client_secret = '⟦go:tomlA1FAKEcs2⟧'
token = "⟦stay:{{ .Values.token }}⟧"
"""

FILES["cases/app.properties"] = """\
spring.datasource.password=⟦go:propB2FAKEpw1⟧
spring.mail.password = ⟦go:propB2FAKEpw2⟧
app.jwt.secret: ⟦go:propB2FAKEsec3⟧
⟦other:app.secret.length=32⟧
app.placeholder.password=⟦stay:${DB_PASSWORD}⟧
"""

FILES["cases/app.ini"] = """\
[mysql]
user = root
password = ⟦go:iniC3FAKEpw1⟧
[smtp]
smtp_pass=⟦go:iniC3FAKEpw2⟧
[vault]
token = ⟦stay:%VAULT_TOKEN%⟧
"""

FILES["cases/deploy.sh"] = """\
#!/bin/sh
export DB_PASSWORD=⟦go:shD4FAKEexport1⟧
export GITHUB_TOKEN="⟦go:shD4FAKEexport2⟧"
PGPASSWORD=⟦go:shD4FAKEpg3⟧ psql -h db -U app
mysql -u root -p⟦go:shD4FAKEmysql4⟧ app < dump.sql
sshpass -p ⟦go:shD4FAKEsshpass5⟧ ssh deploy@host
redis-cli -h cache -a ⟦go:shD4FAKEredis6⟧ ping
curl --user admin:⟦go:shD4FAKEcurl7⟧ https://api.example/x
curl -H "Cookie: session=⟦go:shD4FAKEcookie8⟧" https://api.example/y
export API_TOKEN=⟦stay:$VAULT_API_TOKEN⟧
"""

FILES["cases/Dockerfile"] = """\
FROM debian:12
ENV API_TOKEN=⟦go:dkE5FAKEenv1⟧
ENV DB_PASSWORD ⟦go:dkE5FAKEenv2⟧
ENV PATH ⟦other:/usr/local/bin:$PATH⟧
"""

FILES["cases/app.env"] = """\
ACCESSTOKEN=⟦go:envF6FAKErun1⟧
DBPASSWORD=⟦go:envF6FAKErun2⟧
authtoken=⟦go:envF6FAKErun3⟧
clientsecret=⟦go:envF6FAKErun4⟧
BOT_TOKEN1=⟦go:envF6FAKEdigit5⟧
⟦other:PASSWORD_FILE=/run/secrets/db⟧
⟦other:PASSWORDLESS=true⟧
⟦other:NOPASSWORD_HINT=none⟧
"""

FILES["cases/config.json"] = """\
{
  "bot_token1": "⟦go:jsG7FAKEdigit1⟧",
  "password": {"value": "⟦go:jsG7FAKEnested2⟧", "encrypted": false},
  "tokens": ["⟦go:jsG7FAKElist3⟧", "⟦go:jsG7FAKElist4⟧"],
  "credentials": {
    "user": "svc",
    "secret": "⟦go:jsG7FAKEnested5⟧"
  },
  "apiKey": "⟦stay:<your-api-key>⟧",
  "libsecret": "⟦other:enabled⟧"
}
"""

FILES["cases/values.yaml"] = """\
db:
  password: |
    ⟦go:yamlH8FAKEblock1⟧
  token: >-
    ⟦go:yamlH8FAKEfolded2⟧
  credentials:
    username: app
    password: ⟦go:yamlH8FAKEmap3⟧
  apiKey: ⟦stay:{{ .Values.global.apiKey }}⟧
  secretRef: ⟦ref:var.db_password⟧
env:
  - name: DB_PASSWORD
    value: ⟦go:yamlH8FAKEenv4⟧
  - name: LOG_LEVEL
    value: ⟦other:info⟧
password: )!~jfYGE1G
"""

FILES["cases/kubeconfig"] = """\
users:
- name: admin
  user:
    client-certificate-data: ⟦other:LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==⟧
    client-key-data: ⟦go:LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktFAKE1⟧
- name: sa
  user:
    token: ⟦go:kubeJ9FAKEsatoken2⟧
"""

FILES["cases/docker-config.json"] = """\
{"auths": {"registry.example": {"auth": "⟦go:ZGVwbG95OmRrRkFLRXB3MTIz⟧"}}}
"""

FILES["cases/netrc"] = """\
machine api.example login deploy password ⟦go:netK1FAKEpw1⟧
machine git.example
  login bot
  password ⟦go:netK1FAKEpw2⟧
"""

FILES["cases/urls.log"] = """\
GET https://acct.blob.core.windows.net/c/f?sv=2022-11-02&ss=b&sig=⟦go:Zk9FAKE7Qm2xR8vL1pT4nW6yA3cE5gJ0%3D⟧&se=2030
GET https://bucket.s3.amazonaws.com/o?X-Amz-Credential=⟦go:AKFAKE7Q2M4X%2F20300101%2Fus-east-1⟧&X-Amz-Signature=⟦go:9f8e7d6c5b4aFAKE3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a⟧
GET https://maps.example/api/js?key=⟦go:AIzaFAKEx7Qm2xR8vL1pT4nW6yA3cE5gJ0kL9⟧&callback=init
POST https://fn.azurewebsites.net/api/hook?code=⟦go:cQ8FAKEv3Lm9xT2pR7wK4yN6bJ1hD5sG0aZ==⟧
GET https://api.example/cb?access_token=⟦go:atL2FAKEq9Xw4Rt7⟧&client_secret=⟦go:csL2FAKEq9Xw4Rt8⟧&state=ok
GET https://api.example/status?⟦stay:code=200⟧&⟦stay:key=value⟧
http status ⟦other:code=404⟧ for ⟦other:key=missing⟧
"""

FILES["cases/connections.config"] = """\
DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=⟦go:azM3FAKEk9Xw4Rt7Yq2Lp8Vn6Bc1Dz0Ef5Gh==⟧;EndpointSuffix=core.windows.net
Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=⟦go:sbM3FAKEk9Xw4Rt7Yq2Lp8Vn6=⟧
BlobEndpoint=https://acct.blob.core.windows.net/;SharedAccessSignature=⟦go:sv=2022-11-02&ss=b&sig=M3FAKEk9Xw4Rt7Yq2%3D⟧
Server=db;Database=app;User Id=sa;Password="⟦go:sqlM3;FAKE,pw4⟧";Encrypt=true
"""

FILES["cases/http.log"] = """\
> GET /api HTTP/1.1
> Cookie: session=⟦go:ckN4FAKEsess1⟧; csrftoken=⟦go:ckN4FAKEcsrf2⟧
< Set-Cookie: JSESSIONID=⟦go:ckN4FAKEjsid3⟧; ⟦other:Path=/; HttpOnly⟧
> X-Api-Key: ⟦go:hdN4FAKEapikey4⟧
> Proxy-Authorization: Basic ⟦go:cHJveHk6TjRGQUtFcHc1⟧
> Authorization: Bearer ⟦go:brN4FAKEbearer6xyz⟧
> x-functions-key: ⟦go:fnN4FAKEfunckey7⟧
! proxy refused Basic ⟦go:dXNlcjpONEZBS0Vwdzg=⟧ (407)
"""

FILES["cases/web.config"] = """\
<configuration>
  <appSettings>
    <add key="DbPassword" value="⟦go:xmlP5FAKEadd1⟧" />
    <add key="LogLevel" value="⟦other:Information⟧" />
  </appSettings>
  <Password>⟦go:xmlP5FAKEelem2⟧</Password>
  <property name="password" value="⟦go:xmlP5FAKEprop3⟧"/>
</configuration>
"""

FILES["cases/events.xml"] = """\
<Event><EventData><Data Name='TargetUserName'>svc</Data><Data Name='Password'>⟦go:evQ6FAKEdata1⟧</Data></EventData></Event>
"""

FILES["cases/keys.log"] = """\
2026-11-23 10:00:00 ERROR expected "-----BEGIN RSA PRIVATE KEY-----" header
⟦stay:2026-11-23 10:00:01 INFO retrying with the agent key⟧
-----BEGIN PGP PRIVATE KEY BLOCK-----
Version: GnuPG v2

⟦go:lQOYBFAKEpgpR7xKm2Qv9Lp4Tn8Wc3Ys6Bd1Fg5Hj0Zk7Xa2⟧
⟦go:=FAKE⟧
-----END PGP PRIVATE KEY BLOCK-----
-----BEGIN OPENSSH PRIVATE KEY-----
⟦go:b3BlbnNzaC1rZXktdjEAAAAABG5vbmUFAKEopensshR7xKm2Qv⟧
-----END OPENSSH PRIVATE KEY-----
-----BEGIN ENCRYPTED PRIVATE KEY-----
⟦go:MIIFHDBOBgkqhkiG9w0BBQ0wFAKEpkcs8R7xKm2Qv9Lp4Tn8Wc⟧
-----END ENCRYPTED PRIVATE KEY-----
⟦stay:2026-11-23 10:00:02 INFO key loaded⟧
"""

FILES["cases/key.ppk"] = """\
PuTTY-User-Key-File-3: ssh-ed25519
Encryption: none
Comment: eddsa-key-20261123
Public-Lines: 2
⟦other:AAAAC3NzaC1lZDI1NTE5AAAAIPublicPart⟧
AAAAPublicPartTwo
Private-Lines: 1
⟦go:AAAAIFAKEputtyPrivateR7xKm2Qv9Lp4Tn8Wc3Ys6Bd1⟧
Private-MAC: ⟦go:0f1e2d3c4b5a6978FAKEmac⟧
"""

FILES["cases/shadow"] = """\
root:⟦go:$6$rFAKEsalt$Qm2xR8vL1pT4nW6yA3cE5gJ0kL9oP7iU5yT3rE1wQ9aS7dF5gH3jK1lZ.⟧:19700:0:99999:7:::
alice:⟦go:$y$j9T$FAKEsaltR7xKm$2Qv9Lp4Tn8Wc3Ys6Bd1Fg5Hj0Zk7Xa2⟧:19700:0:99999:7:::
bob:⟦go:$1$FAKEsalt$Qm2xR8vL1pT4nW6yA3cE5⟧:19700:0:99999:7:::
web:⟦go:$2b$12$FAKEFAKEFAKEFAKEFAKEFAR7xKm2Qv9Lp4Tn8Wc3Ys6Bd1Fg5Hj⟧
app:⟦go:$argon2id$v=19$m=65536,t=3,p=4$RkFLRXNhbHQ$Qm2xR8vL1pT4nW6yA3cE5gJ0kL9⟧
svc:⟦go:$pbkdf2-sha256$29000$RkFLRXNhbHQ$Qm2xR8vL1pT4nW6yA3cE5g⟧
daemon:⟦other:*:19700:0:99999:7:::⟧
"""

FILES["cases/casefile.key"] = """\
⟦stay:casefile-key-v1:⟧⟦go:0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0⟧
"""

FILES["cases/placeholders.env"] = """\
DB_PASSWORD=⟦stay:${DB_PASSWORD}⟧
API_TOKEN=⟦stay:$API_TOKEN⟧
SECRET=⟦stay:%APP_SECRET%⟧
PASSWORD=⟦stay:<your-password>⟧
TOKEN=⟦stay:<token>⟧
CLIENT_SECRET=⟦stay:xxxxxxxxxxxxxxxx⟧
ADMIN_PASSWORD=⟦stay:changeme⟧
KEYSTORE_PASSWORD=⟦stay:changeit⟧
SMTP_PASSWORD=⟦stay:********⟧
API_KEY=⟦stay:YOUR_API_KEY_HERE⟧
OPENAI_API_KEY=⟦stay:sk-xxxxxxxxxxxxxxxxxxxxxxxx⟧
"""

FILES["cases/references.tf"] = """\
resource "aws_db_instance" "db" {
  password = ⟦ref:var.db_password⟧
  master_password = ⟦ref:local.master_password⟧
  token = ⟦ref:data.vault_generic_secret.db.data⟧["token"]
}
secret_size = ⟦ref:X25519.secret_length⟧
"""

FILES["cases/spread.log"] = """\
2026-11-23 10:00:00 INFO loaded config password: ⟦go:)!~jfYGE1G⟧
2026-11-23 10:00:05 WARN login failed for svc with ⟦go:)!~jfYGE1G⟧ (attempt 2)
2026-11-23 10:00:06 DEBUG raw args: ["--db", "⟦go:)!~jfYGE1G⟧"]
2026-11-23 10:00:07 INFO rotated token=⟦go:tkS7FAKEq9Xw4Rt7Yq2⟧ ok
2026-11-23 10:00:08 DEBUG header X-Token ⟦go:tkS7FAKEq9Xw4Rt7Yq2⟧ accepted
2026-11-23 10:00:09 INFO x password=⟦go:abc,def&ghiFAKE⟧ y
"""

MARK = re.compile(r"⟦(go|stay|ref|other):(.*?)⟧", re.S)

def category(kind, value):
    return {"ref": "reference", "other": "other"}.get(kind, "placeholder")

files = []
for name, text in FILES.items():
    go, stay = [], []
    seen = set()
    for m in MARK.finditer(text):
        kind, value = m.group(1), m.group(2)
        if (kind, value) in seen:
            continue
        seen.add((kind, value))
        if kind == "go":
            go.append({"category": "secret", "value": value})
        else:
            stay.append({"category": category(kind, value), "value": value})
    plain = MARK.sub(lambda m: m.group(2), text)
    path = os.path.join(OUT, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(plain)
    entry = {"file": name, "go": go}
    if stay:
        entry["stay"] = stay
    files.append(entry)

expect = {
    "suite": "syntax",
    "source": "Written for Casefile: every common assignment syntax (Makefile, Go, PHP, logstash, Java, C#, Kotlin, Python, C, TOML, properties, INI, shell, Dockerfile, env, JSON, YAML, kubeconfig, Docker config, .netrc, URLs, connection strings, HTTP, XML, event XML, PEM/PGP/OpenSSH/PuTTY keys, crypt hashes, the pseudonym key line) with placeholders and code references that must stay; the forms follow each format's public documentation, every secret is fake; generated by scripts/bench/redaction/gen_syntax.py",
    "min_recall": {"secret": 1.0},
    "min_kept": 1.0,
    "files": files,
}
with open(os.path.join(OUT, "expect.json"), "w") as f:
    json.dump(expect, f, indent=1, ensure_ascii=False)
    f.write("\n")
