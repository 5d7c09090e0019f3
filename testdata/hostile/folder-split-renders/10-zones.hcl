zone "az1" {}
zone "az2" {}
zone "az3" {}
