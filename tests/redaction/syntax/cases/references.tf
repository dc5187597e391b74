resource "aws_db_instance" "db" {
  password = var.db_password
  master_password = local.master_password
  token = data.vault_generic_secret.db.data["token"]
}
secret_size = X25519.secret_length
