module github.com/whaleim/whaleim/im-sdk/go

go 1.26

require (
	github.com/gorilla/websocket v1.5.3
	github.com/whaleim/whaleim/im-codec v0.0.0
	github.com/whaleim/whaleim/im-common v0.0.0
)

replace (
	github.com/whaleim/whaleim/im-codec => ../../im-codec
	github.com/whaleim/whaleim/im-common => ../../im-common
)
