module example.com/latchkeytest

go 1.19
