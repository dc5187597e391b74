#!/bin/sh
export DB_PASSWORD=shD4FAKEexport1
export GITHUB_TOKEN="shD4FAKEexport2"
PGPASSWORD=shD4FAKEpg3 psql -h db -U app
mysql -u root -pshD4FAKEmysql4 app < dump.sql
sshpass -p shD4FAKEsshpass5 ssh deploy@host
redis-cli -h cache -a shD4FAKEredis6 ping
curl --user admin:shD4FAKEcurl7 https://api.example/x
curl -H "Cookie: session=shD4FAKEcookie8" https://api.example/y
export API_TOKEN=$VAULT_API_TOKEN
