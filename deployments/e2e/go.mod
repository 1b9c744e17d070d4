module github.com/whaleim/whaleim/deployments/e2e

go 1.26

require (
	github.com/go-zookeeper/zk v1.0.4
	github.com/whaleim/whaleim/im-codec v0.0.0
	github.com/whaleim/whaleim/im-common v0.0.0
	github.com/whaleim/whaleim/im-sdk/go v0.0.0
	gorm.io/gorm v1.31.2
)

require (
	github.com/dustin/go-humanize v1.0.1 // indirect
	github.com/glebarez/go-sqlite v1.21.2 // indirect
	github.com/glebarez/sqlite v1.11.0 // indirect
	github.com/google/uuid v1.3.0 // indirect
	github.com/gorilla/websocket v1.5.3 // indirect
	github.com/jinzhu/inflection v1.0.0 // indirect
	github.com/jinzhu/now v1.1.5 // indirect
	github.com/mattn/go-isatty v0.0.17 // indirect
	github.com/remyoudompheng/bigfft v0.0.0-20230129092748-24d4a6f8daec // indirect
	golang.org/x/sys v0.7.0 // indirect
	golang.org/x/text v0.20.0 // indirect
	modernc.org/libc v1.22.5 // indirect
	modernc.org/mathutil v1.5.0 // indirect
	modernc.org/memory v1.5.0 // indirect
	modernc.org/sqlite v1.23.1 // indirect
)

replace (
	github.com/whaleim/whaleim/im-codec => ../../im-codec
	github.com/whaleim/whaleim/im-common => ../../im-common
	github.com/whaleim/whaleim/im-sdk/go => ../../im-sdk/go
)
