import { Module } from '@nestjs/common';
import { SimulatorAdminController } from './simulator-admin.controller.js';

@Module({ controllers: [SimulatorAdminController] })
export class SimulatorAdminModule {}
