module bakaex/user/go

go 1.19
