<?php
$password = 'phpK4FAKEassign1';
$password .= 'phpK4FAKEappend2';
$config = [
    'db_password' => 'phpK4FAKEarrow3',
    'api_key' => "phpK4FAKEarrow4",
    'password' => getenv('DB_PASSWORD'),
];
