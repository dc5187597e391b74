int main(void) {
    setenv("API_TOKEN", "cZ1FAKEsetenv1", 1);
    return 0;
}
