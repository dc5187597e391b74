public class App {
    private static final String PASSWORD = "javaW8FAKEfinal1";
    String dbPassword = "javaW8FAKEfield2";
    void init() {
        System.setProperty("X_API_TOKEN", "javaW8FAKEprop3");
        String token = System.getenv("API_TOKEN");
        props.put("password", "javaW8FAKEput4");
        char[] secret = settings.SECRET_KEY;
    }
}
