module github.com/whaleim/whaleim/im-common

go 1.26

require (
	github.com/go-zookeeper/zk v1.0.4
	github.com/rabbitmq/amqp091-go v1.16.0
)

require (
	filippo.io/edwards25519 v1.1.0 // indirect
	github.com/go-sql-driver/mysql v1.8.1 // indirect
)
