from hypnic.cli import main

main()
