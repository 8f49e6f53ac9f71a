// SendledgerCLI
