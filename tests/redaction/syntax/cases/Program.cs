var builder = WebApplication.CreateBuilder(args);
string password = "csN5FAKEstring1";
const string ApiKey = "csN5FAKEconst2";
var conn = "Server=db;Database=app;User Id=sa;Password=csN5FAKEconn3;Encrypt=true";
Environment.SetEnvironmentVariable("CLIENT_SECRET", "csN5FAKEenv4");
