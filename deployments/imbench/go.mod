module github.com/whaleim/whaleim/deployments/imbench

go 1.26

require (
	github.com/HdrHistogram/hdrhistogram-go v1.1.2
	github.com/rabbitmq/amqp091-go v1.16.0
	github.com/whaleim/whaleim/im-codec v0.0.0
	github.com/whaleim/whaleim/im-common v0.0.0
	github.com/whaleim/whaleim/im-sdk/go v0.0.0
)

require github.com/gorilla/websocket v1.5.3 // indirect

replace (
	github.com/whaleim/whaleim/im-codec => ../../im-codec
	github.com/whaleim/whaleim/im-common => ../../im-common
	github.com/whaleim/whaleim/im-sdk/go => ../../im-sdk/go
)
