val apiToken = "ktP6FAKEval1"
val dbPassword: String = "ktP6FAKEtyped2"
private var refreshToken: String? = null
