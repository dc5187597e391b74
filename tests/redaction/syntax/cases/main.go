package main

const apiToken = "goR2xFAKEconst1"

type Config struct {
	Password string `env:"DB_PASSWORD" default:"goR2xFAKEtag2"`
	Host     string `default:"localhost"`
}

func main() {
	password := "goR2xFAKEwalrus3"
	token := `goR2xFAKEraw4`
	var clientSecret string = "goR2xFAKEvar5"
	dbPassword := os.Getenv("DB_PASSWORD")
	_ = password + token + clientSecret + dbPassword
}
