module github.com/whaleim/whaleim/deployments/fault

go 1.26

require (
	github.com/go-sql-driver/mysql v1.8.1
	github.com/rabbitmq/amqp091-go v1.16.0
	github.com/whaleim/whaleim/im-codec v0.0.0
	github.com/whaleim/whaleim/im-common v0.0.0
	github.com/whaleim/whaleim/im-sdk/go v0.0.0
)

require (
	filippo.io/edwards25519 v1.1.0 // indirect
	github.com/gorilla/websocket v1.5.3 // indirect
)

replace (
	github.com/whaleim/whaleim/im-codec => ../../im-codec
	github.com/whaleim/whaleim/im-common => ../../im-common
	github.com/whaleim/whaleim/im-sdk/go => ../../im-sdk/go
)
