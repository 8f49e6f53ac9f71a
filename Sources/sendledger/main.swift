import SendledgerCLI

Sendledger.main()
